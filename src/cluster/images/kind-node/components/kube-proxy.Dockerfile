FROM @DEBIAN_BASE_IMAGE@
RUN apt-get update && apt-get install -y iptables conntrack && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy
