"""The screening screen: one record at a time, decided with one key; criteria evidence highlighted."""
