"""Where alerts go: a JSON webhook, the 企业微信 and 钉钉 robot webhooks, e-mail over SMTP.

Channels are `[[channels]]` tables in the TOML file named by HOTLINE_ALERTS, or `[[alerts.channels]]`
in the rules file. Secrets never sit in either file: an SMTP password is read from the environment
variable the channel names (`password_env`).

    [[channels]]
    kind = "wecom"                 # webhook | wecom | dingtalk | email
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
    min_severity = "warning"       # warning (default) or critical

    [[channels]]
    kind = "email"
    host = "smtp.example.gov.cn"
    port = 25
    sender = "12345-wall@example.gov.cn"
    to = ["duty@example.gov.cn"]
    starttls = false
    username = "wall"              # optional, with password_env
    password_env = "HOTLINE_SMTP_PASSWORD"
"""

from __future__ import annotations

import json
import os
import smtplib
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from dashboard.alerts.detect import Alert

KINDS = ("webhook", "wecom", "dingtalk", "email")
SEVERITIES = ("warning", "critical")
TIMEOUT_SECONDS = 10


class ChannelError(ValueError):
    """A channel table is incomplete or names an unknown kind."""


@dataclass(frozen=True)
class Channel:
    kind: str
    url: str = ""
    min_severity: str = "warning"
    host: str = ""
    port: int = 25
    sender: str = ""
    to: tuple[str, ...] = ()
    starttls: bool = False
    username: str = ""
    password_env: str = ""
    env: Mapping[str, str] = field(default_factory=lambda: os.environ, compare=False, repr=False)

    def wants(self, alert: Alert) -> bool:
        return SEVERITIES.index(alert.severity) >= SEVERITIES.index(self.min_severity)

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.host or self.url.split('?')[0]}"


def parse_channel(raw: dict[str, Any], where: str, env: Mapping[str, str]) -> Channel:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ChannelError(f"{where}: `kind` must be one of {', '.join(KINDS)}, got {kind!r}")
    if raw.get("min_severity", "warning") not in SEVERITIES:
        raise ChannelError(f"{where}: `min_severity` must be warning or critical")
    unknown = set(raw) - (set(Channel.__dataclass_fields__) - {"env"})
    if unknown:
        raise ChannelError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if kind == "email":
        if not raw.get("host") or not raw.get("sender") or not raw.get("to"):
            raise ChannelError(f"{where}: an email channel needs host, sender and to")
        if raw.get("password_env") and raw["password_env"] not in env:
            raise ChannelError(f"{where}: environment variable {raw['password_env']} is not set")
    elif not str(raw.get("url", "")).startswith(("http://", "https://")):
        raise ChannelError(f"{where}: a {kind} channel needs an http(s) url")
    values = {**raw, "to": tuple(raw.get("to", ()))}
    return Channel(**values, env=env)


def load_channels(rule_channels: tuple[dict, ...], env: Mapping[str, str] | None = None) -> list[Channel]:
    """The channels of the HOTLINE_ALERTS file (if set) plus those in the rules; errors name the table."""
    env = os.environ if env is None else env
    tables = [(raw, f"rules alerts.channels[{i}]") for i, raw in enumerate(rule_channels)]
    path = env.get("HOTLINE_ALERTS")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ChannelError(f"HOTLINE_ALERTS {path}: {exc}") from exc
        tables += [(raw, f"{path} channels[{i}]") for i, raw in enumerate(data.get("channels", []))]
    return [parse_channel(raw, where, env) for raw, where in tables]


def payload(channel: Channel, alert: Alert, link: str = "") -> dict[str, Any]:
    """The JSON body each robot expects (markdown for 企业微信 and 钉钉)."""
    text = f"**{alert.title}**\n\n{alert.body}" + (f"\n\n[打开大屏]({link})" if link else "")
    if channel.kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if channel.kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": alert.title, "text": text}}
    return {"key": alert.key, "kind": alert.kind, "severity": alert.severity, "title": alert.title,
            "body": alert.body, "subject": alert.subject, "link": link or None}  # fmt: skip


def send(channel: Channel, alert: Alert, link: str = "") -> None:
    """Deliver one alert; raises on any failure (the caller records it)."""
    if channel.kind == "email":
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = alert.title, channel.sender, ", ".join(channel.to)
        message.set_content(alert.body + (f"\n\n{link}" if link else ""))
        with smtplib.SMTP(channel.host, channel.port, timeout=TIMEOUT_SECONDS) as smtp:
            if channel.starttls:
                smtp.starttls()
            if channel.username:
                smtp.login(channel.username, channel.env.get(channel.password_env, ""))
            smtp.send_message(message)
        return
    body = json.dumps(payload(channel, alert, link), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(channel.url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        answer = response.read()
    if channel.kind in ("wecom", "dingtalk"):  # the robots answer 200 with {"errcode": 0} on success
        errcode = json.loads(answer or b"{}").get("errcode", 0)
        if errcode:
            raise OSError(f"robot errcode {errcode}")
