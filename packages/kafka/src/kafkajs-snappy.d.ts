// kafkajs-snappy ships no types: a kafkajs codec factory, `Codecs[CompressionTypes.Snappy]`.
declare module 'kafkajs-snappy' {
  const createSnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export default createSnappyCodec;
}
