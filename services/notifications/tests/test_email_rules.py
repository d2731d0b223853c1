"""Every email renders well in the common mail clients (F-60): its HTML is checked against rules that those clients
need. Styles are inline (Gmail and Outlook drop style sheets), nothing is loaded from elsewhere (clients block remote
content, and it would tell a tracker when the mail is read), every image has an alt text, the document says its
language and title, and the plain-text part says the same as the HTML, sentence for sentence, with the same link."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from notifications.emails.render import KINDS, EmailRenderer
from services.notifications.tests.test_catalogs import VALUES

BLOCKS = {"p", "td", "li", "h1", "h2", "h3", "div"}
FORBIDDEN_ELEMENTS = {"style", "link", "script", "iframe", "object", "embed", "form", "base"}
RESOURCE_ATTRIBUTES = {"src", "background", "srcset", "poster", "data"}


class EmailHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.paragraphs: list[str] = []
        self.links: list[str] = []
        self._text: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> is not kept by mail clients or loads something")
        if "class" in attributes or ("id" in attributes and tag != "html"):
            self.problems.append(f"<{tag}> is styled by a class or id instead of inline")
        for name in RESOURCE_ATTRIBUTES & attributes.keys():
            self.problems.append(f"<{tag} {name}=...> loads a resource")
        if re.search(r"url\(|@import|expression\(", attributes.get("style") or "", re.IGNORECASE):
            self.problems.append(f"<{tag}> style loads a resource")
        if tag == "img" and not (attributes.get("alt") or "").strip():
            self.problems.append("<img> without an alt text")
        if tag == "a":
            self.links.append(attributes.get("href") or "")
        if tag in BLOCKS:
            self._text.append([])
        if tag == "br" and self._text:
            self._text[-1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS and self._text:
            text = " ".join("".join(self._text.pop()).split())
            if text:
                self.paragraphs.append(text)
                if self._text:
                    self._text[-1].append(" ")

    def handle_data(self, data: str) -> None:
        if self._text:
            self._text[-1].append(data)


def normalized(text: str) -> str:
    return " ".join(unescape(text).split())


def rendered(kind: str, language: str):
    return EmailRenderer("https://portal.example").render(
        kind, language=language, time_zone="Europe/Madrid", link_path="/somewhere", name="Ana", **VALUES[kind]
    )


@pytest.mark.parametrize("language", ["en", "es", "sv"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_email_follows_the_rules_for_mail_clients(kind, language):
    email = rendered(kind, language)
    html = EmailHtml()
    html.feed(email.html)
    assert not html.problems, html.problems
    assert re.match(r"<!DOCTYPE html>\s*<html lang=\"" + language + '">', email.html)
    assert '<meta charset="utf-8">' in email.html and f"<title>{email.subject}</title>".replace(
        "'", "&#39;"
    ) in (email.html)
    # Layout tables are presentation only, so a screen reader does not read them as data.
    assert all(attrs.get("role") == "presentation" for tag, attrs in html.elements if tag == "table")
    # Every link is the portal's, or a carrier's tracking page over HTTPS; none is a bare host or a script.
    assert html.links and all(link.startswith("https://") for link in html.links), html.links
    # The text part says what the HTML says (apart from the brand bar on top and the HTML-only hint to copy the
    # link when the button does not work).
    text = normalized(email.text)
    for paragraph in html.paragraphs[1:]:
        if "https://portal.example/somewhere" in paragraph:
            continue
        for sentence in re.split(r"(?<=[.!?:])\s+", paragraph):
            assert normalized(sentence).rstrip(":") in text, (sentence, email.text)
    assert "https://portal.example/somewhere" in email.text


def test_the_rules_catch_what_clients_break():
    broken = EmailHtml()
    broken.feed(
        '<html><head><style>p{color:red}</style><link rel="stylesheet" href="https://cdn.example/x.css"></head>'
        '<body><p class="x">Hi</p><img src="https://tracker.example/pixel.gif">'
        '<td style="background:url(https://x.example/bg.png)">x</td></body></html>'
    )
    assert len(broken.problems) == 6, broken.problems
