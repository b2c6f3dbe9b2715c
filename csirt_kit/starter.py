"""The starter config and example inventory that `csirt init` writes."""

from __future__ import annotations

STARTER_CONFIG = """\
# csirt-kit configuration (TOML).
# Precedence: command-line flag > CSIRT_KIT_SECTION__KEY environment variable > this file.
# Secrets never go in this file: each server names the variable that holds its key.

[general]
city = "kota"                      # short name; part of TheHive alert source and case keys
timezone = "Asia/Jakarta"          # times are stored in UTC and shown in this zone (WIB)
lang = "en"                        # en | id: language of timelines and notifications

[store]
# path = "/var/lib/csirt-kit/csirt.db"   # default: the user data dir
busy_timeout = 30.0                # seconds a writer waits for another csirt process

# Threat intelligence. Add as many servers and feeds as you use.
# [[intel.misp]]
# name = "misp-kota"
# url = "https://misp.example.go.id"
# key_env = "CSIRT_MISP_KEY"       # export CSIRT_MISP_KEY=... before running csirt
# verify_tls = true

# [[intel.feeds]]
# name = "circl-osint"
# url = "https://www.circl.lu/doc/misp/feed-osint"   # or: path = "/srv/feeds/circl"
# format = "misp"                                    # misp | csv | text

[scan]
rules = []                         # folders of extra YARA rules, added to the bundled ones

[cases]
backend = "local"                  # local (SQLite store) | thehive

# [cases.thehive]
# url = "https://thehive.example.go.id"
# key_env = "CSIRT_THEHIVE_KEY"
# organisation = "csirt-kota"

[playbooks]
paths = []                         # folders of extra playbooks, added to the bundled ones
"""

EXAMPLE_INVENTORY = """\
id,name,kind,owner,contact,criticality,status,urls,ips,software,webroot,logs,tags
web-dinkes,Portal Dinas Kesehatan,website,Dinas Kesehatan,it@dinkes.kota.example.go.id,high,active,https://dinkes.kota.example.go.id/,203.0.113.10,WordPress 6.4.2;nginx 1.18.0,/var/www/dinkes,/var/log/nginx/dinkes.access.log,wordpress;public
app-simpeg,SIMPEG Kepegawaian,webapp,Badan Kepegawaian Daerah,bkd@kota.example.go.id,critical,active,https://simpeg.kota.example.go.id/,203.0.113.20,Laravel 8.83.27,/srv/simpeg/public,/var/log/apache2/simpeg.access.log,spbe
nvr-alunalun,NVR Alun-alun,nvr,Dinas Perhubungan,dishub@kota.example.go.id,high,active,,10.20.30.40,cpe:2.3:o:hikvision:ds-7608ni-k2_firmware:4.1.64:*:*:*:*:*:*:*,,,cctv
web-kec-utara,Kecamatan Utara,website,Kecamatan Utara,,low,suspended,http://utara.kota.example.go.id/,203.0.113.31,Joomla 3.9.28,/var/www/utara,,kecamatan
"""
