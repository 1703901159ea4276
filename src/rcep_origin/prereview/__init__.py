"""Smart pre-review: coded, explained findings on a declaration before it is submitted."""
