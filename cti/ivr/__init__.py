"""The IVR bridge: the FastAGI server for the self-service flows, and call-back tasks."""
