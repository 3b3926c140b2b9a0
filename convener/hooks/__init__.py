"""Inbound webhooks: a marketing suite (Mautic, HubSpot, Zapier, n8n, Salesforce) calls a
signed URL, the payload's values update a contact, and a meeting action runs for it.

- `models`: the webhook (its action, signature scheme, mapping), its deliveries' log and
  the signatures already seen;
- `signing`: the signature schemes of the senders, and their presets;
- `payload`: values read from a JSON payload by path;
- `receive`: one delivery, from the raw request to the answer and the log row;
- `views`, `forms`, `urls`: the administrators' pages and the receiving endpoint.
"""
