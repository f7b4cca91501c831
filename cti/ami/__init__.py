"""The AMI connection: the only place that imports panoramisk."""
