#!/bin/sh
# Serves Bazel's HTTP cache protocol (GET and PUT of /ac/<sha256> and /cas/<sha256>) from
# DIR/root on 127.0.0.1:PORT with nginx's WebDAV module, in the foreground, as the calling
# user: the pid file, logs and temporary request bodies all stay under DIR. One process
# (master_process off), so SIGKILL stops it at once with nothing left listening; SIGTERM for
# a clean stop. An upload is written to DIR/tmp and renamed into place when complete, so a
# client that dies mid-upload leaves no partial entry.
#   nginx_cache.sh DIR PORT [DIRECTIVES]      DIRECTIVES go into the server block (e.g. "limit_rate 64k;")
# Used by tests/integration/remote-cache.test.ts and bench/remote/run.mjs.
set -eu
dir=$1
port=$2
extra=${3:-}
nginx=${NGINX:-/usr/sbin/nginx}
mkdir -p "$dir/root" "$dir/tmp" "$dir/logs"
cat > "$dir/nginx.conf" <<CONF
daemon off;
master_process off;
user $(id -un) $(id -gn);
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log $dir/logs/access.log;
  default_type application/octet-stream;
  client_max_body_size 0;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/root;
    location / {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw;
      log_not_found off;
    }
    $extra
  }
}
CONF
exec "$nginx" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf"
