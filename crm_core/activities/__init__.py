"""Activities on a member (calls, SMS, e-mail, visits, notes) and message templates."""
