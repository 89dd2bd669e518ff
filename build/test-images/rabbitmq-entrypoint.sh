#!/bin/sh
# Entrypoint of the local RabbitMQ test image: honours the official image's RABBITMQ_DEFAULT_USER and
# RABBITMQ_DEFAULT_PASS and logs to the console, where Testcontainers waits for "Server startup complete".
set -eu
user="${RABBITMQ_DEFAULT_USER:-guest}"
pass="${RABBITMQ_DEFAULT_PASS:-guest}"
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
loopback_users = none
listeners.tcp.default = 5672
default_user = $user
default_pass = $pass
log.console = true
log.console.level = info
log.file = false
CONF
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq 2>/dev/null || true
export HOME=/var/lib/rabbitmq
exec runuser -u rabbitmq -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
