"""The ledger of lots, accounts, transactions, movements and holdings; its posting service, verification and reads."""
