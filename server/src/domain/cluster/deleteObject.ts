/** `flux delete ...`: removes one Flux object (its finalizers let the controller clean up). */
import { isNotFound, type KubeClient } from './kubeClient';
import { describeRef, objectPath, type ObjectRef } from './fluxKinds';

export async function deleteObject(client: KubeClient, ref: ObjectRef): Promise<void> {
  try {
    await client.delete(objectPath(ref), { propagationPolicy: 'Background' });
  } catch (err) {
    if (isNotFound(err)) throw new Error(`${describeRef(ref)} does not exist in the cluster (context "${client.access.context}")`);
    throw err;
  }
}
