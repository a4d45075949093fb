# barpipe image: build and test in one stage, ship the tools and man pages in
# a slim one with a non-root user.
#   docker build -t barpipe .
#   docker run --rm -v "$PWD:/work" -w /work barpipe bp-fetch --help
FROM debian:12 AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends build-essential pkg-config libcsv-dev \
	libjansson-dev libzstd-dev libsqlite3-dev libcurl4-openssl-dev bats \
	zstd jq mandoc bsdextrautils sqlite3 ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j"$(nproc)" DEVELOPER=1 all && make DEVELOPER=1 test \
	&& make PREFIX=/usr/local DESTDIR=/staging install

FROM debian:12-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends libcsv3 libjansson4 libzstd1 libsqlite3-0 \
	libcurl4 zstd jq man-db ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /staging/ /
COPY --from=build /src/pipelines /usr/local/share/barpipe/pipelines
COPY --from=build /src/strategies /usr/local/share/barpipe/strategies
COPY --from=build /src/data/sample /usr/local/share/barpipe/data/sample
RUN useradd --create-home --shell /bin/bash barpipe
USER barpipe
ENV BARPIPE_HOME=/home/barpipe/.local/share/barpipe
WORKDIR /home/barpipe
RUN bp-fetch --version
CMD ["bash"]
