from netmind_console.core import services


def heartbeat():
    services.record_heartbeat()
