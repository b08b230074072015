"""The protocol in the app: the New Review wizard, the Protocol screen, and the editor pages they share."""
