"""Connected provider accounts: organization or user level, with encrypted credentials."""
