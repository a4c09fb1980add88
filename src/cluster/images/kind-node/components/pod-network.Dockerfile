FROM @BUSYBOX_IMAGE@
COPY kubectl /usr/local/bin/kubectl
