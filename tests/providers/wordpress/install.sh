#!/usr/bin/env bash
# Unpacks WordPress, PHP and MariaDB from Debian's packages into FOLDER/root, without
# installing them: no system service starts (the wordpress package depends on Apache, whose
# maintainer scripts would start it), nothing outside FOLDER changes. The tests run MariaDB
# and PHP's built-in server from there (tests/providers/wordpress/wp_server.py).
#
#   bash tests/providers/wordpress/install.sh ~/.cache/socialgit-test-peers/wordpress
set -euo pipefail
dest="${1:?usage: install.sh FOLDER}"
# php-cli and not php8.2-cli: each release names its own PHP (Debian 12: 8.2, Ubuntu 24.04: 8.3).
packages=(wordpress php-cli php-mysql php-gd mariadb-server-core mariadb-client-core)

if compgen -G "$dest/root/usr/bin/php[0-9]*" >/dev/null && [ -x "$dest/root/usr/sbin/mariadbd" ] \
  && [ -f "$dest/root/usr/share/wordpress/wp-settings.php" ]; then
  echo "WordPress test server already unpacked in $dest"
  exit 0
fi
rm -rf "$dest"
mkdir -p "$dest/debs/partial" "$dest/root"
# apt-get downloads what this machine lacks of the packages and their dependencies.
if ! apt-get install -y -qq --download-only --no-install-recommends \
  -o Dir::Cache::archives="$dest/debs" "${packages[@]}" >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --download-only --no-install-recommends \
    -o Dir::Cache::archives="$dest/debs" "${packages[@]}" >/dev/null
fi
for deb in "$dest"/debs/*.deb; do
  dpkg -x "$deb" "$dest/root"
done
rm -rf "$dest/debs"
echo "WordPress test server unpacked in $dest"
