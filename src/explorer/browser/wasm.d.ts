/** esbuild's base64 loader: a .wasm import is its bytes as a base64 string. */
declare module '*.wasm' {
  const base64: string;
  export default base64;
}
