"""OpenProject API v3 simulator (Python 3 test tool). See README.md."""
