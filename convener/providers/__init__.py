"""Meeting providers: the contract every provider implements, and the registry of them."""
