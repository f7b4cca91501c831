"""FastAGI IVR flows: points self-service, post-call survey, menus, voicemail."""
