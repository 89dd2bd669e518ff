#!/usr/bin/env bash
# Measures Cam's images: their sizes, and how long the scheduler and a CPU worker take from `docker run` to
# answering /health/ready, on the test PostgreSQL and RabbitMQ images, with the manifests' security settings
# (uid 10001, read-only root, /tmp on tmpfs). Prints JSON. Needs the images of build/images/build.sh and
# build/test-images/build.sh (their variables in the environment). deploy/README.md quotes its figures.
set -euo pipefail
: "${CAM_SCHEDULER_IMAGE:?run build/images/build.sh first}" "${CAM_WORKER_IMAGE:?}"
: "${CAM_TEST_POSTGRES_IMAGE:?run build/test-images/build.sh first}" "${CAM_TEST_RABBITMQ_IMAGE:?}"
net="cam-startup-$$"
cleanup() { docker rm -f "$net-pg" "$net-mq" "$net-scheduler" "$net-worker" >/dev/null 2>&1 || true
            docker network rm "$net" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker network create "$net" >/dev/null
docker run -d --name "$net-pg" --network "$net" --network-alias postgres -e POSTGRES_USER=cam \
  -e POSTGRES_PASSWORD=cam -e POSTGRES_DB=cam "$CAM_TEST_POSTGRES_IMAGE" >/dev/null
docker run -d --name "$net-mq" --network "$net" --network-alias rabbitmq -e RABBITMQ_DEFAULT_USER=cam \
  -e RABBITMQ_DEFAULT_PASS=cam "$CAM_TEST_RABBITMQ_IMAGE" >/dev/null
until docker exec "$net-pg" pg_isready -q -h 127.0.0.1 -U cam 2>/dev/null; do sleep 0.5; done
until docker exec "$net-mq" rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; do sleep 1; done

now_ms() { date +%s%3N; }
# Starts a Cam container and answers the milliseconds until its /health/ready answers 200 (from inside the network).
start_ms() {
  local name=$1 image=$2 port=$3; shift 3
  local t0; t0=$(now_ms)
  docker run -d --name "$name" --network "$net" --user 10001:10001 --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges -e "CAM_POSTGRES=Host=postgres;Username=cam;Password=cam;Database=cam" \
    -e "CAM_RABBITMQ=amqp://cam:cam@rabbitmq:5672/" "$@" "$image" >/dev/null
  for _ in $(seq 1200); do
    if docker run --rm --network "$net" --entrypoint bash "$CAM_TEST_POSTGRES_IMAGE" \
         -c "exec 3<>/dev/tcp/$name/$port && printf 'GET /health/ready HTTP/1.0\r\n\r\n' >&3 && head -1 <&3" \
         2>/dev/null | grep -q " 200"; then
      echo $(( $(now_ms) - t0 )); return
    fi
    sleep 0.2
  done
  echo "$name did not become ready" >&2; docker logs "$name" >&2; exit 1
}
scheduler_ms=$(start_ms "$net-scheduler" "$CAM_SCHEDULER_IMAGE" 8080 -e CAM_MIGRATE_ON_START=1 -e CAM_API_KEY_DISABLED=1)
worker_ms=$(start_ms "$net-worker" "$CAM_WORKER_IMAGE" 8081)
size_mb() { echo $(( $(docker image inspect "$1" --format '{{.Size}}') / 1000000 )); }
printf '{"schedulerImage":"%s","schedulerMB":%d,"workerImage":"%s","workerMB":%d,"schedulerReadyMs":%d,"workerReadyMs":%d,"load":"%s"}\n' \
  "$CAM_SCHEDULER_IMAGE" "$(size_mb "$CAM_SCHEDULER_IMAGE")" "$CAM_WORKER_IMAGE" "$(size_mb "$CAM_WORKER_IMAGE")" \
  "$scheduler_ms" "$worker_ms" "$(cut -d' ' -f1 /proc/loadavg)"
