import pytest

pytestmark = pytest.mark.django_db


def test_public_pages_answer(client):
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"].startswith("Kechuang")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_login_and_role_navigation(client, bureau, clerk_a):
    assert client.post("/accounts/login/", {"username": "officer", "password": "pw-kechuang-123"}).status_code == 302
    home = client.get("/").content.decode()
    assert "/enterprises/" in home and "数据导入" in home
    client.logout()
    client.force_login(clerk_a)
    home = client.get("/").content.decode()
    assert "数据导入" not in home and f"/enterprises/{clerk_a.enterprise_id}/" in home


def test_english_switch(client, bureau):
    client.force_login(bureau)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    page = client.get("/enterprises/").content.decode()
    assert "Enterprises" in page


def test_no_cdn_in_pages(client, bureau):
    client.force_login(bureau)
    for url in ("/", "/enterprises/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html, url


def test_chinese_is_the_default_whatever_the_browser_says(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-CN">' in page.content.decode()
