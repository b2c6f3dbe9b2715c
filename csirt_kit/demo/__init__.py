"""The bundled synthetic city for `csirt demo`: inventory, webroots, logs, feed and web server."""

from csirt_kit.demo.city import DemoCity, build_city
from csirt_kit.demo.expected import Expected, ExpectedFinding
from csirt_kit.demo.server import DemoWebServer
from csirt_kit.demo.sites import DemoSite

__all__ = ["DemoCity", "DemoSite", "DemoWebServer", "Expected", "ExpectedFinding", "build_city"]
