// Minimal typings for sm-crypto 0.5 (it ships none). Only what sync/ uses.
declare module 'sm-crypto' {
  interface Sm2SignOptions {
    der?: boolean;
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  interface Sm4Options {
    mode?: 'ecb' | 'cbc';
    iv?: string;
    padding?: 'pkcs#7' | 'pkcs#5' | 'none';
    output?: 'string' | 'array';
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { privateKey: string; publicKey: string };
      getPublicKeyFromPrivateKey(privateKey: string): string;
      doSignature(msg: string | ArrayLike<number>, privateKey: string, options?: Sm2SignOptions): string;
      doVerifySignature(msg: string | ArrayLike<number>, signHex: string, publicKey: string, options?: Omit<Sm2SignOptions, 'publicKey'>): boolean;
      verifyPublicKey(publicKey: string): boolean;
    };
    sm3(input: string | ArrayLike<number>): string;
    sm4: {
      encrypt(input: string | ArrayLike<number>, key: string, options?: Sm4Options): string;
      decrypt(input: string | ArrayLike<number>, key: string, options?: Sm4Options): string;
    };
  };
  export = smCrypto;
}
