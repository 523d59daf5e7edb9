"""Links that share a page in WhatsApp, Telegram or an email, prefilled with a message: plain
links, so no script of theirs is loaded and they work in an email as on a page."""

from urllib.parse import quote, urlencode


def share_links(*, text: str, url: str) -> dict[str, str]:
    return {
        "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
        "telegram": "https://t.me/share/url?" + urlencode({"url": url, "text": text}),
        "email": "mailto:?" + urlencode({"subject": text, "body": url}, quote_via=quote),
    }
