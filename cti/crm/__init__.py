"""The CRM's routes for the console: one thin module per CRM domain, over `crm_core`."""
