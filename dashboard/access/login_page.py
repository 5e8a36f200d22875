"""The login page, zh and en, in the product's look (assets/login.css; no script, no inline style)."""

from __future__ import annotations

from html import escape

TEXT = {
    "zh": {"title": "北京市12345接诉即办 运行监测", "heading": "登录", "name": "用户名", "password": "密码",
           "submit": "登录",
           "failed": "用户名或密码不正确，或账号已停用。", "limited": "尝试次数过多，请一分钟后再试。",
           "token": "大屏令牌无效或已撤销。", "switch": "English", "other": "en",
           "note": "大屏请使用管理员提供的带令牌链接。", "logged_out": "已退出登录。"},
    "en": {"title": "Beijing 12345 Hotline Operations", "heading": "Sign in", "name": "User name",
           "password": "Password", "submit": "Sign in", "failed": "Wrong user name or password, or the account is "
           "disabled.", "limited": "Too many attempts: try again in a minute.", "token": "The wall token is unknown "
           "or revoked.", "switch": "中文", "other": "zh", "note": "Wall screens open the link with a token that "
           "an administrator made.", "logged_out": "You are signed out."},
}  # fmt: skip
MESSAGES = ("failed", "limited", "token", "logged_out")


def login_html(lang: str, next_path: str, message: str | None = None, name: str = "") -> str:
    """The whole page; `message` is one of MESSAGES (never text from the request)."""
    lang = lang if lang in TEXT else "zh"
    t = TEXT[lang]
    note = f'<p class="login-message" role="alert">{t[message]}</p>' if message in MESSAGES else ""
    other = f"/login?lang={t['other']}&amp;next={escape(next_path, quote=True)}"
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["heading"]} · {t["title"]}</title><link rel="stylesheet" href="/assets/access.css"></head>
<body class="login-body">
<main class="login-card">
<div class="login-brand"><span class="login-mark">12345</span><h1>{t["title"]}</h1></div>
<h2>{t["heading"]}</h2>{note}
<form method="post" action="/login?lang={lang}" class="login-form">
<input type="hidden" name="next" value="{escape(next_path, quote=True)}">
<label>{t["name"]}<input name="name" autocomplete="username" required value="{escape(name, quote=True)}"></label>
<label>{t["password"]}<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">{t["submit"]}</button>
</form>
<p class="login-note">{t["note"]}</p>
<a class="login-lang" href="{other}">{t["switch"]}</a>
</main>
</body></html>"""
