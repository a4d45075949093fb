# barpipe build knobs: override on the command line, e.g.
#   make PREFIX=/usr DESTDIR=pkg install
VERSION = 0.1.0

PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man

CC = cc
PKG_CONFIG = pkg-config
AR = ar
ARFLAGS = rcs

CFLAGS = -O2 -g
LDFLAGS =
