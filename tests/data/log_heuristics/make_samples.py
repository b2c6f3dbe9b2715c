"""Write the harmless access-log samples of tests/scan_logs/test_heuristics.py (output committed).

Run from this folder: python make_samples.py. Addresses: 100.64.0.0/10 (ordinary visitors),
66.249.66.1 (Googlebot, confirmed by the tests' fake DNS), 45.13.7.x (the "attackers").
"""
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

WIB = timezone(timedelta(hours=7))
M = ("Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec")
G = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
B = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
BR = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
START = datetime(2026, 11, 20, 0, 5, tzinfo=WIB)

def line(when, ip, req, status, ua=BR, ref="-", size=512):
    t = f"{when.day:02d}/{M[when.month-1]}/{when:%Y:%H:%M:%S %z}"
    return (when, f'{ip} - - [{t}] "{req} HTTP/1.1" {status} {size} "{ref}" "{ua}"')

def normal(rng, days=3, n=120):
    out = []
    for _i in range(n):
        when = START + timedelta(seconds=rng.randrange(days * 86400 - 600))
        ip = f"100.{64 + rng.randrange(8)}.{rng.randrange(256)}.{1 + rng.randrange(250)}"
        path = rng.choice(("/", "/berita/", "/profil/", "/kontak/", "/assets/css/style.css", "/berita/?page=2"))
        out.append(line(when, ip, f"GET {path}", 200, BR, "https://www.google.com/"))
    # the site's own traffic every day: logins, the home page's script, its sitemap read by Googlebot
    for d in range(days):
        day = START + timedelta(days=d, hours=1)
        out.append(line(day, "100.64.9.9", "GET /wp-login.php", 200))
        out.append(line(day + timedelta(seconds=20), "100.64.9.9", "POST /wp-login.php", 302))
        out.append(line(day + timedelta(seconds=40), f"100.64.9.{10 + d}", "POST /index.php", 200))
        out.append(line(day + timedelta(seconds=50), f"100.64.9.{10 + d}", "POST /index.php", 200))
        out.append(line(day + timedelta(seconds=55), f"100.64.9.{10 + d}", "POST /index.php", 200))
        out.append(line(day + timedelta(minutes=3), "66.249.66.1", "GET /sitemap.xml", 200, G))
        out.append(line(day + timedelta(minutes=4), "66.249.66.1", "GET /berita/", 200, G))
    return out

def write(name, lines):
    text = "".join(entry + "\n" for _, entry in sorted(lines, key=lambda x: x[0]))
    Path(name).write_text(text)

rng = random.Random(9)
write("ordinary.log", normal(rng))

rng = random.Random(1)
x = normal(rng)
t = START + timedelta(days=2, hours=3)
x += [line(t + timedelta(minutes=i), "45.13.7.9", f"GET /berita/?page={i}", 200, G) for i in range(4)]
x += [line(t + timedelta(hours=1, minutes=i), "45.13.7.11", "GET /profil/", 200, B) for i in range(2)]
x += [line(t + timedelta(hours=2), "10.20.0.5", "GET /", 200, G)]
write("fake_crawler.log", x)

rng = random.Random(2)
x = normal(rng)
t = START + timedelta(days=2, hours=4)
x += [line(t + timedelta(seconds=30 * i), "45.13.7.20", "POST /wp-content/uploads/2026/11/cache.php", 200) for i in range(3)]
x += [line(t + timedelta(minutes=5), "45.13.7.21", "POST /images/stories/thumb.php5", 404)]
write("upload_post.log", x)

rng = random.Random(3)
x = normal(rng)
t = START + timedelta(days=2, hours=6)
x += [line(t, "45.13.7.30", "GET /wp-includes/css/style-min.php", 200)]
x += [line(t + timedelta(minutes=1 + i), "45.13.7.30", "POST /wp-includes/css/style-min.php", 200) for i in range(5)]
write("webshell_use.log", x)

rng = random.Random(4)
x = normal(rng)
t = START + timedelta(days=2, hours=7)
x += [line(t + timedelta(minutes=i), "66.249.66.1", "GET /slot-gacor-maxwin/", 200, G) for i in range(3)]
x += [line(t + timedelta(minutes=5), "66.249.66.1", "GET /?id=togel88", 200, G)]
x += [line(t + timedelta(minutes=6), "66.249.66.1", "GET /judi-online-terpercaya/", 404, G)]
x += [line(t + timedelta(minutes=7), "100.64.3.3", "GET /berita/slot-parkir-baru/", 200)]
write("gambling_slug.log", x)

rng = random.Random(5)
x = normal(rng)
t = START + timedelta(days=2, hours=9)
x += [line(t + timedelta(seconds=40 * i), "66.249.66.1", f"GET /sitemap-judi{1 + i % 5}.xml", 200, G) for i in range(30)]
write("sitemap_burst.log", x)
