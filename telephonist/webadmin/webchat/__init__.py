"""Web chat in the console: the website's visitors (visitor.py: the chat page, no login, scoped by each chat's
token) and the agents' desktops (desk.py: offered chats, accept, write, end, transcripts). The chats themselves
are the ACD's (acd/chatdesk.py): the console speaks for a visitor once it has checked the visitor's token, and
reads the transcript (acd_chat_messages) to show it (store.py)."""
