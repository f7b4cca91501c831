"""Service requests, work orders, SLAs, service queues, assets and active service plans."""
