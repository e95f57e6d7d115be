"""Who the app answers: this machine only, unless whoever started the server asked for more.

`.streamlit/config.toml` binds the server to 127.0.0.1 and hides error details, but Streamlit reads it only from the
folder it is started in: `streamlit run /path/to/app.py` from anywhere else listens on every interface and shows
tracebacks. So the app checks where its settings came from. Where the listening address was never set (no config
file, flag or `STREAMLIT_SERVER_ADDRESS`), it answers a visitor from another machine with one line and nothing
else; where the error details were never set, it hides them.
"""

import ipaddress

import streamlit as st
from streamlit import config
from streamlit.config_option import ConfigOption

REFUSED = (
    "This lab answers only the machine it runs on: it was started without its settings. To serve it to others, "
    "start it from its own folder with --server.address set on purpose (see the README's Serving it to others)."
)


def _never_set(option):
    """Whether `option` has Streamlit's default: no config file, flag or environment variable set it."""
    return config.get_where_defined(option) == ConfigOption.DEFAULT_DEFINITION


def _visitor_address():
    """The connecting browser's IP address (Streamlit reads it from the TCP peer), or None for this machine."""
    return st.context.ip_address


def is_this_machine(address):
    """Whether `address` (a string, or None) is this machine: None, or a loopback address, IPv4-mapped ones included
    (a server listening on IPv6's "::" sees 127.0.0.1 as ::ffff:127.0.0.1)."""
    if address is None:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is no part of it
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def answer_only_whom_the_server_allows():
    """Hide error details unless they were set on purpose, and stop this run with one line for a visitor from another
    machine when the listening address was never set. Call it first in `app.py`, before any page draws."""
    if _never_set("client.showErrorDetails"):
        st.set_option("client.showErrorDetails", "none")
    if _never_set("server.address") and not is_this_machine(_visitor_address()):
        st.error(REFUSED)
        st.stop()
