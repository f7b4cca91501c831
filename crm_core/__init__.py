"""The embedded CRM: members, cards, orders and the loyalty points ledger."""
