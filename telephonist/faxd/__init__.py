"""faxd: inbound fax to PDF and mailboxes, outbound fax jobs with retries (an application on chand's API)."""
