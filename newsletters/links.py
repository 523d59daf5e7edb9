"""The signed links in the weekly email that act for its recipient with no account."""

from clps.links import LinkSigner

# An "I'll go" link: (subscriber id, picket line id, action day id).
GO_LINKS = LinkSigner("weekly-go")
