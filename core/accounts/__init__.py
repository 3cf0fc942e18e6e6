"""Accounts: who is a customer on a day, their MRR movements, the list and the 360.
Kept free of imports so that the list's frame code (``listing``) stays light."""
