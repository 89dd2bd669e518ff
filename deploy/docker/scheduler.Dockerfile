# syntax=docker/dockerfile:1
# The scheduler: REST API, job enumeration and shard dispatch (port 8080).
# Build from the repository root:  docker build -f deploy/docker/scheduler.Dockerfile -t cam-scheduler .
# `docker run cam-scheduler migrate` applies the EF Core migrations and exits.

# Base images as build arguments (defaults: Microsoft's); build/images/build.sh passes locally built Debian ones.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Project files first, so the restore layer is cached until a project or package version changes.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY src/Cam.Contracts/Cam.Contracts.csproj src/Cam.Contracts/
COPY src/Cam.Datasets/Cam.Datasets.csproj src/Cam.Datasets/
COPY src/Cam.Specs/Cam.Specs.csproj src/Cam.Specs/
COPY src/Cam.Storage/Cam.Storage.csproj src/Cam.Storage/
COPY src/Cam.Hosting/Cam.Hosting.csproj src/Cam.Hosting/
COPY src/Cam.Export/Cam.Export.csproj src/Cam.Export/
COPY src/Cam.Scheduler/Cam.Scheduler.csproj src/Cam.Scheduler/
COPY src/Cam.SchedulerHost/Cam.SchedulerHost.csproj src/Cam.SchedulerHost/
RUN dotnet restore src/Cam.SchedulerHost/Cam.SchedulerHost.csproj -r linux-x64
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/Cam.SchedulerHost/Cam.SchedulerHost.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -p:UseAppHost=false -o /app

# Ubuntu 24.04: libstdc++ has GLIBCXX_3.4.32, so no shim patching is needed anywhere.
FROM ${ASPNET_IMAGE}
RUN groupadd --gid 10001 cam && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin cam
WORKDIR /app
COPY --from=build /app ./
ENV CAM_DATA_ROOT=/data \
    CAM_MODEL_ROOT=/models \
    CAM_SCHEDULER_URLS=http://0.0.0.0:8080 \
    ASPNETCORE_HTTP_PORTS=
VOLUME ["/data", "/models"]
EXPOSE 8080
USER 10001:10001
ENTRYPOINT ["dotnet", "Cam.SchedulerHost.dll"]
