"""`make run`'s server: Django's development server (with static files), quiet, its address the last line."""
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "Serve the demo portal (make run): the development server, printing where it is as its last line."

    def on_bind(self, server_port):
        host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
        self.stdout.write("曲靖市主要污染物总量指标储备库 · 演示门户（开发服务器，勿用于生产）\n"
                          "Demo users: city_admin, county_qilin, ent_qilin, ... password demo12345 "
                          "(city staff: code from `.venv/bin/python manage.py demo_totp city_admin`); "
                          "e-mails go to var/mail/; Ctrl-C stops.\n"
                          f"Portal: {self.protocol}://{host}:{server_port}/")
