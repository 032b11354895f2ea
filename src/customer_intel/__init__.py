"""Python side of the customer-intelligence warehouse: demo data, pseudonymisation, publishing."""
