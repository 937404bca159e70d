import type { Profile } from './types.js';

/** The national list as written: no changes. */
export const national: Profile = { name: 'national', description: '国家医保信息平台接口规范', renames: {} };
