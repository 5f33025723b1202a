[NUT]
title=Network UPS Tools
description=NUT data server (upsd): UPS status for upsmon and the clients
ports=3493/tcp
