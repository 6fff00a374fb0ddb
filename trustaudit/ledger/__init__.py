"""The accountability record: the hash chain, the recorder every model call goes through, the run
folder (create, resume, seal), the manifest, verification and fingerprints."""
