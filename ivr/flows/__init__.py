"""IVR flows: each one small async function over an AGI session, with the CRM injected."""
