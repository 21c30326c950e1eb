"""A real WordPress for the tests: Debian's packages, MariaDB and PHP's built-in server, all
on 127.0.0.1 in a temporary folder.

``install.sh`` (run by ``.ci/run``) unpacks ``wordpress``, ``php-cli``, ``php-mysql``,
``php-gd`` and ``mariadb-server-core`` with their dependencies into
``$SOCIALGIT_WORDPRESS_ROOT`` (default ``~/.cache/socialgit-test-peers/wordpress``) without
installing them, so no system service starts. Here: a MariaDB data folder and server on a free
port, a copy of WordPress with a plain ``wp-config.php`` (``WP_ENVIRONMENT_TYPE`` ``local``, so
application passwords work over http), ``wp_install`` from the PHP command line with pretty
permalinks, an administrator and an author each with an application password, and
``php -S`` serving it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.providers.nostr.relay_server import free_port

START_TIMEOUT = 120.0  # seconds, on a busy 2-core machine
EXTENSIONS = ("mysqlnd", "mysqli", "fileinfo", "exif", "gd", "iconv", "ctype", "tokenizer")


def root() -> Path:
    default = Path.home() / ".cache" / "socialgit-test-peers" / "wordpress"
    return Path(os.environ.get("SOCIALGIT_WORDPRESS_ROOT") or default) / "root"


def require_wordpress() -> Path:
    found = root()
    if (found / "usr/sbin/mariadbd").is_file() and list(found.glob("usr/bin/php[0-9]*")):
        return found
    reason = f"WordPress missing: {found} (bash .ci/run unpacks it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class User:
    name: str
    password: str  # an application password


@dataclass
class WordPress:
    __test__ = False

    url: str
    admin: User
    author: User
    startup_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def client(self, user: User | None = None) -> httpx.Client:
        who = user or self.admin
        return httpx.Client(base_url=self.url, auth=(who.name, who.password), timeout=60)

    def posts(self, **params: Any) -> list[dict[str, Any]]:
        """Every post (any status), as the REST API gives them to an editor."""
        with self.client() as client:
            answer = client.get(
                "/wp-json/wp/v2/posts",
                params={"status": "any", "context": "edit", "per_page": 100, **params},
            )
        assert answer.status_code == 200, answer.text[:300]
        found: list[dict[str, Any]] = answer.json()
        return found

    def get(self, path: str, **params: Any) -> Any:
        with self.client() as client:
            answer = client.get(f"/wp-json/wp/v2/{path}", params={"context": "edit", **params})
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{base}/usr/lib/x86_64-linux-gnu"
    return env


def _php(base: Path) -> list[str]:
    php = min(base.glob("usr/bin/php[0-9]*"))  # php8.2 on Debian 12, php8.3 on Ubuntu 24.04
    command = [str(php), "-n", "-d", f"extension_dir={_extensions(base)}"]
    for name in EXTENSIONS:
        command += ["-d", f"extension={name}"]
    return [*command, "-d", "memory_limit=256M"]


def _extensions(base: Path) -> Path:
    return next(p for p in (base / "usr/lib/php").iterdir() if p.name.isdigit())


CONFIG = """<?php
define('DB_NAME', 'wp');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp-password');
define('DB_HOST', '127.0.0.1:{db_port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}
$table_prefix = 'wp_';
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
if (!defined('ABSPATH')) {{ define('ABSPATH', __DIR__ . '/'); }}
require_once ABSPATH . 'wp-settings.php';
"""

SETUP = """<?php
define('WP_INSTALLING', true);
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$site = wp_install('socialgit test blog', 'admin', 'admin@example.test', true, '', 'admin-pw-1');
update_option('permalink_structure', '/%postname%/');
$author = wp_insert_user(['user_login' => 'writer', 'user_pass' => 'writer-pw-1',
    'user_email' => 'writer@example.test', 'role' => 'author']);
wp_insert_term('News', 'category');
$made = [];
foreach (['admin' => $site['user_id'], 'writer' => $author] as $name => $id) {
    [$password] = WP_Application_Passwords::create_new_application_password(
        $id, ['name' => 'socialgit']);
    $made[$name] = $password;
}
echo json_encode($made);
"""


def serve() -> Iterator[WordPress]:
    base = require_wordpress()
    env = _env(base)
    with tempfile.TemporaryDirectory(prefix="wordpress-") as temp:
        folder = Path(temp)
        started = time.monotonic()
        timings: dict[str, float] = {}
        db_port, web_port = free_port(), free_port()
        processes: list[subprocess.Popen[bytes]] = []
        try:
            processes.append(_mariadb(base, folder, db_port, env, timings))
            url = f"http://127.0.0.1:{web_port}"
            users = _wordpress(base, folder, db_port, url, env, timings)
            mark = time.monotonic()
            with open(folder / "php.log", "wb") as log:
                processes.append(
                    subprocess.Popen(
                        [*_php(base), "-S", f"127.0.0.1:{web_port}", "-t", str(folder / "wp")],
                        cwd=folder / "wp",
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            _wait_http(url, folder / "php.log")
            timings["php -S"] = time.monotonic() - mark
            admin = User("admin", users["admin"])
            author = User("writer", users["writer"])
            yield WordPress(url, admin, author, time.monotonic() - started, timings)
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _mariadb(
    base: Path, folder: Path, port: int, env: dict[str, str], timings: dict[str, float]
) -> subprocess.Popen[bytes]:
    mark = time.monotonic()
    data, tmp = folder / "db", folder / "tmp"
    tmp.mkdir()
    subprocess.run(
        [
            str(base / "usr/bin/mariadb-install-db"), "--no-defaults", f"--basedir={base}/usr",
            f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db",
            "--user=root",
        ],
        env=env, check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    timings["mariadb-install-db"] = time.monotonic() - mark
    mark = time.monotonic()
    socket = folder / "mysql.sock"
    with open(folder / "mariadb.log", "wb") as log:
        process = subprocess.Popen(
            [
                str(base / "usr/sbin/mariadbd"), "--no-defaults", f"--basedir={base}/usr",
                f"--lc-messages-dir={base}/usr/share/mariadb", f"--datadir={data}",
                f"--socket={socket}", f"--port={port}", "--bind-address=127.0.0.1",
                "--user=root", f"--pid-file={folder / 'mariadb.pid'}", f"--tmpdir={tmp}",
                "--skip-log-bin", "--innodb-buffer-pool-size=32M",
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    client = [str(base / "usr/bin/mariadb"), "--no-defaults", "-S", str(socket), "-uroot"]
    sql = (
        "CREATE DATABASE wp; CREATE USER 'wp'@'127.0.0.1' IDENTIFIED BY 'wp-password'; "
        "GRANT ALL ON wp.* TO 'wp'@'127.0.0.1';"
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        done = subprocess.run([*client, "-e", sql], env=env, capture_output=True)
        if done.returncode == 0:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            tail = (folder / "mariadb.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"MariaDB did not start: {tail}")
        time.sleep(0.2)
    timings["mariadbd"] = time.monotonic() - mark
    return process


def _wordpress(
    base: Path, folder: Path, db_port: int, url: str, env: dict[str, str], timings: dict[str, float]
) -> dict[str, str]:
    mark = time.monotonic()
    site = folder / "wp"
    shutil.copytree(base / "usr/share/wordpress", site, symlinks=True)
    (site / ".htaccess").unlink()
    (site / "wp-content/uploads").mkdir(parents=True)
    names = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY")
    salts = "\n".join(f"define('{n}', '{secrets.token_hex(16)}');" for n in names)
    salts += "\n" + "\n".join(
        f"define('{n.replace('KEY', 'SALT')}', '{secrets.token_hex(16)}');" for n in names
    )
    (site / "wp-config.php").write_text(CONFIG.format(db_port=db_port, url=url, salts=salts))
    (site / "socialgit-setup.php").write_text(SETUP)
    done = subprocess.run(
        [*_php(base), "socialgit-setup.php"], cwd=site, env=env, capture_output=True, text=True
    )
    (site / "socialgit-setup.php").unlink()
    if done.returncode != 0:
        raise AssertionError(f"wp_install failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    timings["wp_install"] = time.monotonic() - mark
    users: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return users


def _wait_http(url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/wp-json/", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"php -S did not serve WordPress: {log.read_text(errors='replace')}")
