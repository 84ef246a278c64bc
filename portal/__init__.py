"""Le portail web des OF: the guide's screens, server-rendered, on the same selectors and services as the API."""
