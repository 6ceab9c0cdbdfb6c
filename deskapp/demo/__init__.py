"""The embedded demo backend: a loopback server speaking the Chatwoot and Shopify Admin APIs."""
