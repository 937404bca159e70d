// Profile "prodentp-name": 3503/3504 name the manufacturer prodentp_name (生产企业名称) instead of the national
// list's prdr_name (生产厂家名称). Seen in newtouch-cloud/openhis-itaii
// openhis-server/openhis-domain/src/main/java/com/openhis/yb/dto/Medical3503Param.java.
import type { Profile } from './types.js';

export const prodentpName: Profile = {
  name: 'prodentp-name',
  description: '3503/3504 生产厂家名称 sent as prodentp_name',
  renames: {
    '3503': { purcinfo: { prdr_name: 'prodentp_name' } },
    '3504': { purcinfo: { prdr_name: 'prodentp_name' } },
  },
};
