"""Test kits for trustaudit and for users' own auditors: a fault-injecting loopback LLM server."""

from .loopback import LoopbackLLM

__all__ = ["LoopbackLLM"]
