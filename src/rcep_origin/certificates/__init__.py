"""Electronic certificates of origin: the Annex 3B model, its signed forms, verification and revocation."""
