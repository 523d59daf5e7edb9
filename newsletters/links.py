"""The signed links in the weekly email that act for its recipient with no account."""

from clps.links import LinkSigner

# A recipient's "I'll go" token: (subscriber id, digest id). Each day's link is the token with
# the picket line and the day: /go/<token>/<line>/<day>/, for the days the digest offered.
GO_LINKS = LinkSigner("weekly-go-digest")
GO_ROUTE = "newsletters_public:go_day"

# The "I'll go" token of emails sent before, one for each day: (subscriber id, picket line id,
# action day id), at /go/<token>/. Honoured until its day is over.
DAY_GO_LINKS = LinkSigner("weekly-go")
