"""One module per input format; each registers its reader in ``onrecord.ingest.registry``."""
